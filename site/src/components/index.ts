/** Components available to every MDX page of the report without an import. */
import Claim from './Claim.astro';
import FitLossChart from './FitLossChart.astro';
import FitLossTable from './FitLossTable.astro';
import FitModelTable from './FitModelTable.astro';
import FitPredictionChart from './FitPredictionChart.astro';
import FitRank from './FitRank.astro';
import FitRatio from './FitRatio.astro';
import FitSetup from './FitSetup.astro';
import GeneralizationFigure from './GeneralizationFigure.astro';
import GeneralizationSetup from './GeneralizationSetup.astro';
import GeneralizationTable from './GeneralizationTable.astro';
import GeneralizationValue from './GeneralizationValue.astro';
import GradientNormChart from './GradientNormChart.astro';
import MinimalRatioChart from './MinimalRatioChart.astro';
import MinimalRatioSetup from './MinimalRatioSetup.astro';
import MinimalRatioValue from './MinimalRatioValue.astro';
import SurfaceChart from './SurfaceChart.astro';
import TaskChart from './TaskChart.astro';
import TaskFigures from './TaskFigures.astro';
import TaskModelTable from './TaskModelTable.astro';
import TaskRank from './TaskRank.astro';
import TaskSetup from './TaskSetup.astro';
import TrajectoryChart from './TrajectoryChart.astro';
import TrajectorySetup from './TrajectorySetup.astro';

export const components = {
  Claim,
  FitLossChart,
  FitLossTable,
  FitModelTable,
  FitPredictionChart,
  FitRank,
  FitRatio,
  FitSetup,
  GeneralizationFigure,
  GeneralizationSetup,
  GeneralizationTable,
  GeneralizationValue,
  GradientNormChart,
  MinimalRatioChart,
  MinimalRatioSetup,
  MinimalRatioValue,
  SurfaceChart,
  TaskChart,
  TaskFigures,
  TaskModelTable,
  TaskRank,
  TaskSetup,
  TrajectoryChart,
  TrajectorySetup,
};
