import "./styles.css";
import { createRoot } from "react-dom/client";
import { readIdentity } from "./identity.ts";
import { App, type View } from "./ui/App.tsx";

const root = document.getElementById("app");
if (root) {
  const identity = readIdentity(location, sessionStorage);
  const view: View = new URLSearchParams(location.search).get("view") === "projector" ? "projector" : "room";
  if (!identity) {
    root.textContent = "Open the join link you were given (it carries ?token=…).";
  } else {
    createRoot(root).render(<App identity={identity} view={view} />);
  }
}
