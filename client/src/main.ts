import "./styles.css";
import { startApp } from "./app.ts";
import { readIdentity } from "./identity.ts";

const root = document.getElementById("app");
if (root) {
  const identity = readIdentity(location, sessionStorage);
  const view = new URLSearchParams(location.search).get("view") === "projector" ? "projector" : "room";
  if (!identity) {
    root.textContent = "Open the join link you were given (it carries ?token=…).";
  } else {
    startApp(root, identity, view).catch((error: unknown) => {
      root.textContent = `The room could not open: ${error instanceof Error ? error.message : String(error)}`;
    });
  }
}
