/** An entry of a session's source registry: what footnotes cite. */
export interface Source {
  readonly id: string;
  readonly title: string;
  readonly url?: string;
}
