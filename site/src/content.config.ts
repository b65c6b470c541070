/** The write-up: one MDX file per report section, under content/report/. */
import { defineCollection } from 'astro:content';
import { stageList } from '@hw1/pipeline/stages';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';

const report = defineCollection({
  loader: glob({ pattern: '*.mdx', base: '../content/report' }),
  schema: z.strictObject({
    title: z.string(),
    /** Section number as in the assignment, e.g. "1-1". */
    section: z.string(),
    /** Position in the report. */
    order: z.number(),
    /** Stages whose artifacts the page reads; their order here is the report's order of stages (npm run sync). */
    stages: z.array(z.enum(stageList.map((s) => s.name) as [string, ...string[]])),
    summary: z.string(),
  }),
});

export const collections = { report };
