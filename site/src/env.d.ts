/** Astro components seen from TypeScript modules (`npm run typecheck` has no Astro language service). */
declare module '*.astro' {
  const Component: (props: Record<string, unknown>) => unknown;
  export default Component;
}
