/**
 * The part of turborepo-remote-cache's API that `cache-server.ts` uses (the
 * package ships JavaScript without types): `createApp` returns its Fastify
 * instance, with the routes registered when it becomes ready.
 */
declare module 'turborepo-remote-cache' {
  interface Request {
    method: string;
    url: string;
    params: unknown;
    query: unknown;
    headers: Record<string, string | string[] | undefined>;
    body: unknown;
    log: { error: (detail: unknown, message?: string) => void };
  }
  interface Reply {
    statusCode: number;
    code: (status: number) => Reply;
    send: (body: unknown) => Reply;
  }
  export interface App {
    addHook(name: 'onRequest' | 'preHandler', hook: (req: Request, reply: Reply) => Promise<unknown>): void;
    addHook(name: 'onSend', hook: (req: Request, reply: Reply, payload: unknown) => Promise<unknown>): void;
    ready(): Promise<unknown>;
    listen(options: { host: string; port: number }): Promise<string>;
    close(): Promise<void>;
  }
  export function createApp(options?: { trustProxy?: boolean }): App;
}
