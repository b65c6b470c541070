/** Components available to every MDX page of the report without an import. */
import Claim from './Claim.astro';
import Depth from './Depth.astro';
import Finding from './Finding.astro';
import FitLossTable from './FitLossTable.astro';
import FitModelTable from './FitModelTable.astro';
import FitRank from './FitRank.astro';
import FitRatio from './FitRatio.astro';
import FitSetup from './FitSetup.astro';
import GeneralizationSetup from './GeneralizationSetup.astro';
import GeneralizationTable from './GeneralizationTable.astro';
import MinimalRatioSetup from './MinimalRatioSetup.astro';
import StageFigure from './StageFigure.astro';
import TaskFigure from './TaskFigure.astro';
import TaskModelTable from './TaskModelTable.astro';
import TaskRanking from './TaskRanking.astro';
import TaskSetup from './TaskSetup.astro';
import TrajectorySetup from './TrajectorySetup.astro';
import Value from './Value.astro';
import When from './When.astro';

export const components = {
  Claim,
  Depth,
  Finding,
  FitLossTable,
  FitModelTable,
  FitRank,
  FitRatio,
  FitSetup,
  GeneralizationSetup,
  GeneralizationTable,
  MinimalRatioSetup,
  StageFigure,
  TaskFigure,
  TaskModelTable,
  TaskRanking,
  TaskSetup,
  TrajectorySetup,
  Value,
  When,
};
