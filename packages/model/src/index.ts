export * from "./clauseText.ts";
export * from "./names.ts";
export * from "./roles.ts";
export * from "./sectionIndex.ts";
export * from "./template.ts";
export * from "./templates/index.ts";
