/** The HTTP API with the room's token; refusals become ApiError with the server's code. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class Api {
  constructor(private readonly token: string) {}

  async call<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await refusal(response);
    return (await response.json()) as T;
  }

  /** Downloads a file the API produces (exports), as the browser would save a link. */
  async download(path: string, filename: string): Promise<void> {
    const response = await fetch(path, { headers: { authorization: `Bearer ${this.token}` } });
    if (!response.ok) throw await refusal(response);
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement("a");
    link.href = url;
    link.download = filename;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

/** The server's error body (`{"error": {"code", "message"}}`) as an ApiError. */
async function refusal(response: Response): Promise<ApiError> {
  const failure = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  return new ApiError(
    response.status,
    failure.error?.code ?? "HTTP_ERROR",
    failure.error?.message ?? response.statusText,
  );
}
