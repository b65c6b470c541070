/**
 * A remark plugin for the report's MDX pages: every element that names a
 * stage or a check (<StageFigure stage>, <Value stage>, <When stage>,
 * <Claim check>, <Finding check>) gets a `source="content/report/<page>.mdx:<line>"`
 * attribute, so a page's mistake (a figure, fact, check or outcome that does
 * not exist) stops the build naming the file and line it is on.
 */
import { relative } from 'node:path';

interface Node {
  type: string;
  name?: string | null;
  attributes?: { type: string; name?: string; value?: unknown }[];
  position?: { start: { line: number } };
  children?: Node[];
}

const NAMED_BY = new Set(['stage', 'check']);

/** The source attribute of each element under `tree` that names a stage or a check, from `file` (relative to `root`). */
export function addSources(tree: Node, file: string, root: string): void {
  const where = relative(root, file);
  const visit = (node: Node) => {
    if ((node.type === 'mdxJsxFlowElement' || node.type === 'mdxJsxTextElement') && node.attributes && node.position) {
      const named = node.attributes.some((a) => a.type === 'mdxJsxAttribute' && a.name !== undefined && NAMED_BY.has(a.name));
      if (named && !node.attributes.some((a) => a.name === 'source'))
        node.attributes.push({ type: 'mdxJsxAttribute', name: 'source', value: `${where}:${node.position.start.line}` });
    }
    for (const child of node.children ?? []) visit(child);
  };
  visit(tree);
}

/** The plugin, for @astrojs/mdx's remarkPlugins. */
export function remarkSource(root: string) {
  return () => (tree: Node, file: { path?: string }) => {
    if (file.path) addSources(tree, file.path, root);
  };
}
