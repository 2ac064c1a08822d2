// Applications and their keys, with the management key; the permission
// catalogue.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { all, client, management, rejectsWith, unique } from "./helpers.mjs";

describe("applications", () => {
  test("create private and public applications, read them back", async () => {
    const priv = await management.applications.create({
      name: unique("private"),
      type: "private",
      rules: [{ description: "pci", priority: 1, container: "/pci/", transform: "reveal", permissions: ["token:read"] }],
    });
    assert.equal(priv.type, "private");
    assert.ok(priv.key);
    assert.equal(priv.keys.length, 1);
    assert.equal(priv.keys[0].key, priv.key);
    assert.equal(priv.rules[0].container, "/pci/");
    assert.ok(priv.createdAt instanceof Date);

    const pub = await management.applications.create({ name: unique("public"), type: "public", permissions: ["token:create"] });
    assert.equal(pub.type, "public");
    assert.deepEqual(pub.permissions, ["token:create"]);

    const read = await management.applications.get(priv.id);
    assert.equal(read.name, priv.name);
    assert.equal(read.key, undefined, "the key is shown only on creation");
    assert.equal(read.keys[0].key, undefined);

    const self = await client(pub.key).applications.getByKey();
    assert.equal(self.id, pub.id);
  });

  test("create without a key", async () => {
    const app = await management.applications.create({ name: unique("keyless"), type: "private", permissions: ["token:read"], createKey: false });
    assert.equal(app.key, undefined);
    assert.deepEqual(await management.applicationKeys.list(app.id), []);
  });

  test("an invalid application is a 400 with field paths", async () => {
    const err = await rejectsWith(
      management.applications.create({ name: "bad", type: "private", rules: [{ priority: 1, transform: "shout", permissions: ["token:read"] }] }),
      400,
      "BadRequestError",
    );
    assert.ok(err.body.errors["rules[0].transform"], JSON.stringify(err.body));
  });

  test("list pages through every application", async () => {
    const names = [];
    for (let i = 0; i < 3; i++) {
      const app = await management.applications.create({ name: unique(`listed-${i}`), type: "private", permissions: ["token:read"] });
      names.push(app.name);
    }
    const page = await management.applications.list({ size: 2 });
    assert.equal(page.data.length, 2);
    assert.equal(page.response.pagination.pageNumber, 1);
    assert.ok(page.response.pagination.totalItems >= 3);
    const listed = (await all(management.applications.list({ size: 2 }))).map((a) => a.name);
    for (const name of names) {
      assert.ok(listed.includes(name), `${name} listed`);
    }
  });

  test("list by type", async () => {
    const listed = await all(management.applications.list({ type: "management" }));
    assert.ok(listed.length >= 1);
    assert.ok(listed.every((a) => a.type === "management"));
  });

  test("update and delete", async () => {
    const app = await management.applications.create({ name: unique("to-update"), type: "private", permissions: ["token:read"] });
    const updated = await management.applications.update(app.id, { name: "renamed", permissions: ["token:read", "token:create"] });
    assert.equal(updated.name, "renamed");
    assert.deepEqual(updated.permissions, ["token:read", "token:create"]);
    assert.ok(updated.modifiedAt instanceof Date);

    await management.applications.delete(app.id);
    await rejectsWith(management.applications.get(app.id), 404, "NotFoundError");
    await rejectsWith(client(app.key).applications.getByKey(), 401, "UnauthorizedError");
  });

  test("keys: create, list, get, delete", async () => {
    const app = await management.applications.create({ name: unique("keys"), type: "private", permissions: ["token:create"] });
    const second = await management.applicationKeys.create(app.id);
    assert.ok(second.key);
    assert.ok(second.createdAt instanceof Date);
    assert.equal((await client(second.key).applications.getByKey()).id, app.id);

    const keys = await management.applicationKeys.list(app.id);
    assert.deepEqual(keys.map((k) => k.id).sort(), [app.keys[0].id, second.id].sort());
    assert.ok(keys.every((k) => k.key === undefined));

    const one = await management.applicationKeys.get(app.id, second.id);
    assert.equal(one.id, second.id);

    await management.applicationKeys.delete(app.id, second.id);
    await rejectsWith(client(second.key).applications.getByKey(), 401, "UnauthorizedError");
    assert.equal((await client(app.key).applications.getByKey()).id, app.id, "the other key still works");
    await rejectsWith(management.applicationKeys.get(app.id, second.id), 404, "NotFoundError");
  });

  test("a private key cannot manage applications", async () => {
    const app = await management.applications.create({ name: unique("weak"), type: "private", permissions: ["token:read"] });
    await rejectsWith(client(app.key).applications.list(), 403, "ForbiddenError");
  });
});

describe("permissions", () => {
  test("by application type", async () => {
    const perms = await management.permissions.list({ applicationType: "public" });
    assert.deepEqual(perms.map((p) => p.type).sort(), ["token:create", "token:update"]);
    assert.ok(perms.every((p) => p.applicationTypes.includes("public") && p.description));
  });

  test("all", async () => {
    const perms = await management.permissions.list();
    assert.ok(perms.some((p) => p.type === "application:create"));
    assert.ok(perms.some((p) => p.type === "token:search"));
  });
});
