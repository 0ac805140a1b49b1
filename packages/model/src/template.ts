import type { ParagraphRuns } from "./clauseText.ts";

export interface TemplateClause {
  readonly id: string;
  readonly paragraphs: readonly ParagraphRuns[];
}

export interface TemplateSection {
  readonly id: string;
  readonly title: string;
  readonly clauses: readonly TemplateClause[];
}

export interface SessionTemplate {
  readonly id: string;
  readonly title: string;
  readonly sections: readonly TemplateSection[];
}
