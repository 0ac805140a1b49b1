import { emptyTemplate } from "./empty.ts";
import { wtdcActionPlan } from "./wtdcActionPlan.ts";

export const TEMPLATES = {
  "wtdc-action-plan": wtdcActionPlan,
  empty: emptyTemplate,
} as const;

export type TemplateId = keyof typeof TEMPLATES;

export function isTemplateId(v: unknown): v is TemplateId {
  return typeof v === "string" && Object.hasOwn(TEMPLATES, v);
}
