import type { SessionTemplate } from "../template.ts";

/** A blank session: one section with one empty clause. */
export const emptyTemplate: SessionTemplate = {
  id: "empty",
  title: "Untitled session",
  sources: [],
  sections: [
    {
      id: "main",
      title: "Main text",
      clauses: [{ id: "c1", paragraphs: [[]] }],
    },
  ],
};
