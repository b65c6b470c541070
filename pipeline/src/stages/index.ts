/** Every stage of the report, in report order (schemas only; the run modules load on demand). */
import { simulateFunction } from './simulate-function.schema.ts';

export const stages = [simulateFunction] as const;
export type StageName = (typeof stages)[number]['name'];
