export * from "./bracketOwnership.ts";
export * from "./clauseLayout.ts";
export * from "./clauseReader.ts";
export * from "./clauseText.ts";
export * from "./consensus.ts";
export {
  BRACKET_STATE,
  FOOTNOTE_STATE,
  LEXICAL_BOLD,
  LEXICAL_ITALIC,
  LEXICAL_ROOT,
  lexicalLayout,
} from "./layouts/lexicalLayout.ts";
export { prosemirrorLayout } from "./layouts/prosemirrorLayout.ts";
export * from "./names.ts";
export * from "./numbering.ts";
export * from "./roles.ts";
export * from "./rules.ts";
export * from "./sectionIndex.ts";
export * from "./source.ts";
export * from "./template.ts";
export * from "./templates/index.ts";
