// OPA's own TypeScript client (npm @open-policy-agent/opa) against a running
// verdict server.  Usage: node npm_client.mjs http://127.0.0.1:PORT
// Prints one JSON line per check: {"name", "ok", "detail"}.
import { OPAClient } from "@open-policy-agent/opa";
import { OpaApiClient } from "@open-policy-agent/opa/sdk/index.js";

const url = process.argv[2];
const opa = new OPAClient(url);

function report(name, ok, detail) {
  console.log(JSON.stringify({ name, ok: !!ok, detail: detail === undefined ? "" : String(detail) }));
}

async function check(name, fn, expected) {
  try {
    const got = await fn();
    const ok = JSON.stringify(got) === JSON.stringify(expected);
    report(name, ok, ok ? "" : `got ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`);
  } catch (e) {
    report(name, false, `threw ${e && e.stack ? e.stack.split("\n")[0] : e}`);
  }
}

const bob = { user: "bob", action: "approve", type: "payment" };
const bobDelete = { user: "bob", action: "delete", type: "payment" };

await check("evaluate with input (allowed)", () => opa.evaluate("rbac/allow", bob), true);
await check("evaluate with input (denied)", () => opa.evaluate("rbac/allow", bobDelete), false);
await check("evaluate without input (default rule)", () => opa.evaluate("rbac/allow"), false);
await check("evaluate a set-valued rule", async () => (await opa.evaluate("rbac/user_grants", { user: "bob" })).length, 3);
await check("evaluate with fromResult", () =>
  opa.evaluate("rbac/user_grants", { user: "bob" }, { fromResult: (r) => r.some((g) => g.action === "approve") }), true);
await check("evaluate an undefined document", () => opa.evaluate("rbac/nothing_here", bob), undefined);
await check("evaluateDefault (POST /)", () => opa.evaluateDefault(bob), true);
await check("evaluateBatch with fallback", () =>
  opa.evaluateBatch("rbac/allow", { a: bob, b: bobDelete }, { fallback: true }), { a: true, b: false });
await check("low-level health", async () => {
  const api = new OpaApiClient({ serverURL: url });
  const ready = await api.health(true);
  return ready.healthyServer !== undefined;
}, true);
await check("an evaluation error rejects the promise", async () => {
  try {
    await opa.evaluate("conflict/x", { a: 1 });
    return "resolved";
  } catch (e) {
    return "rejected";
  }
}, "rejected");
