/**
 * turbo says nothing when it refuses an entry of the remote cache (a signature
 * that does not verify: the blob was altered on the server, or signed with
 * another key) or when the server refuses its token: it just runs the task.
 * A stage that runs under turbo with a remote cache configured asks the
 * server once whether it holds this task's entry, and says why it is
 * computing what the server has. Bounded (a few seconds), and silent when the
 * server is simply missing the entry or cannot be reached (turbo warns then).
 */

/** Why this task runs although the remote cache could have replayed it, or null. */
export async function remoteCacheNote(env: NodeJS.ProcessEnv = process.env, timeoutMs = 3000): Promise<string | null> {
  const { TURBO_API: api, TURBO_TOKEN: token, TURBO_TEAM: team, TURBO_HASH: hash } = env;
  if (!hash || !api || !token || !/^[0-9a-f]+$/.test(hash)) return null;
  const url = `${api.replace(/\/+$/, '')}/v8/artifacts/${hash}${team ? `?slug=${encodeURIComponent(team)}` : ''}`;
  let status: number;
  try {
    const r = await fetch(url, { method: 'HEAD', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
    status = r.status;
  } catch {
    return null;
  }
  if (status === 401 || status === 403) {
    return `remote cache: ${api} refused TURBO_TOKEN (HTTP ${status}), so nothing is read from it or written to it; check TURBO_TOKEN (and TURBO_TEAM). Computing here`;
  }
  if (status !== 200) return null;
  return env.TURBO_REMOTE_CACHE_SIGNATURE_KEY
    ? `remote cache: ${api} holds this task's entry (${hash}) but turbo did not replay it: its signature does not verify (altered on the server, or signed with another TURBO_REMOTE_CACHE_SIGNATURE_KEY). Computing here; the new entry replaces it`
    : `remote cache: ${api} holds this task's entry (${hash}) but TURBO_REMOTE_CACHE_SIGNATURE_KEY is not set here, and turbo replays only signed entries: set the key every client shares. Computing here`;
}
