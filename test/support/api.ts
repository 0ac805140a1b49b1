/** A JSON call to the HTTP API with a Bearer token: status and parsed body. */
export async function api<T = Record<string, unknown>>(
  baseUrl: string,
  token: string,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

export interface ApiClause {
  id: string;
  number: string;
  formerNumbers: string[];
  text: string;
  consensus: { state: string; pending?: string[] };
  bracketed: boolean;
  locked: { name: string; at: string; reason: string | null } | null;
  brackets: { id: string; text: string; by: string[]; reason: string; group: string | null; note: string | null }[];
  footnotes: { id: string; source: string; sourceTitle: string }[];
  figures: { openBrackets: number; alternatives: number; byDelegation: Record<string, number> };
}

export interface ApiSection {
  clauses: ApiClause[];
  figures: {
    openBrackets: number;
    locked: number;
    byState: Record<string, number>;
    byDelegation: Record<string, number>;
  };
}
