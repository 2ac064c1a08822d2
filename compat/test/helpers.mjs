// Shared setup of the compat suite: the vaultd under test and clients of the
// official SDK pointed at it. Nothing here changes how the SDK talks to the
// server but the base URL.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { BasisTheoryClient, BasisTheoryError } from "@basis-theory/node-sdk";

/** The base URL of the vaultd under test (set by compat_test.go). */
export const baseUrl = required("VAULT_COMPAT_BASE_URL");

/** The bootstrap management key of the vault under test. */
export const managementKey = required("VAULT_COMPAT_MANAGEMENT_KEY");

function required(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: run the suite through compat_test.go (go test ./compat/)`);
  }
  return v;
}

/** A client of the official SDK, as a user builds it, for the given key. */
export function client(apiKey, options = {}) {
  return new BasisTheoryClient({ apiKey, environment: baseUrl, maxRetries: 0, ...options });
}

/** The client of the management key. */
export const management = client(managementKey);

/** A name no other test uses. */
export function unique(prefix) {
  return `${prefix}-${randomUUID()}`;
}

/** The token permissions a private application may hold. */
export const allTokenPermissions = ["token:create", "token:read", "token:update", "token:delete", "token:search"];

/**
 * Creates an application with the management key and returns
 * { app, key, client } for it.
 */
export async function application({ type = "private", permissions, rules, name = unique(type) } = {}) {
  const app = await management.applications.create({ name, type, permissions, rules });
  assert.ok(app.key, "a new application comes with its key");
  return { app, key: app.key, client: client(app.key) };
}

/** A private application that reveals every token it may touch. */
export function revealingApplication() {
  return application({
    rules: [{ description: "everything", priority: 1, container: "/", transform: "reveal", permissions: allTokenPermissions }],
  });
}

/**
 * Asserts that promise rejects with an SDK error of the given status whose
 * body is a ProblemDetails, and returns the error.
 */
export async function rejectsWith(promise, statusCode, errorName) {
  let caught;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught, `expected a ${statusCode} error, the call succeeded`);
  assert.ok(caught instanceof BasisTheoryError, `expected a BasisTheoryError, got ${caught}`);
  assert.equal(caught.statusCode, statusCode, `status of ${JSON.stringify(caught.body)}`);
  if (errorName) {
    assert.equal(caught.constructor.name, errorName);
  }
  assert.equal(caught.body.status, statusCode, "ProblemDetails.status");
  assert.equal(typeof caught.body.title, "string", "ProblemDetails.title");
  return caught;
}

/** Collects every item of an SDK page, following its cursor. */
export async function all(pagePromise) {
  const items = [];
  for await (const item of await pagePromise) {
    items.push(item);
  }
  return items;
}
