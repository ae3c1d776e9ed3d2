// The schema is the registry's: a class or field added through REST's /schemas (or GraphQL's
// createClass) appears at the next request, without a restart; the master-only schema
// operations answer 119 to everyone else.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { client, codeOf, failing, rand } from './support.mjs';
import { post, put, del, createClass, dropClass } from '../http/support.mjs';

const name = `Gql${rand(8)}`;
const plural = `${name[0].toLowerCase()}${name.slice(1)}s`;
const single = `${name[0].toLowerCase()}${name.slice(1)}`;
after(() => dropClass(name));

test('a class made through /schemas is queryable at once, and so is a new field', async () => {
  const before = await failing(client(), `{ ${plural} { count } }`);
  assert.equal(before.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
  await createClass(name, { label: 'String' });
  await post(`/classes/${name}`, { label: 'one' }, { master: true });
  const first = await client().request(`{ ${plural} { count edges { node { label } } } }`);
  assert.equal(first[plural].count, 1);
  await put(`/schemas/${name}`, { fields: { weight: { type: 'Number' } } }, { master: true });
  const made = await client().request(`mutation { create${name}(input: {fields: {label: "two", weight: 3}}) { ${single} { label weight } } }`);
  assert.deepEqual(made[`create${name}`][single], { label: 'two', weight: 3 });
  const filtered = await client().request(`{ ${plural}(where: {weight: {greaterThan: 2}}) { count } }`);
  assert.equal(filtered[plural].count, 1);
});

test('class operations are master-only and follow the registry too', async () => {
  const other = `Gqlc${rand(8)}`;
  try {
    assert.equal(await codeOf(client(), `mutation { createClass(input: {name: "${other}"}) { class { name } } }`), 119);
    const created = await client({ master: true }).request(
      `mutation { createClass(input: {name: "${other}", schemaFields: {addStrings: [{name: "title"}], addPointers: [{name: "maker", targetClassName: "Artisan"}]}}) { class { name schemaFields { name __typename ... on SchemaPointerField { targetClassName } } } } }`);
    const fields = created.createClass.class.schemaFields;
    assert.ok(fields.some((f) => f.name === 'maker' && f.__typename === 'SchemaPointerField' && f.targetClassName === 'Artisan'));
    const listed = await client({ master: true }).request('{ classes { name } }');
    assert.ok(listed.classes.some((c) => c.name === other));
    const updated = await client({ master: true }).request(`mutation { updateClass(input: {name: "${other}", schemaFields: {addNumbers: [{name: "n"}], remove: [{name: "title"}]}}) { class { schemaFields { name } } } }`);
    const names = updated.updateClass.class.schemaFields.map((f) => f.name);
    assert.ok(names.includes('n') && !names.includes('title'));
    const gone = await client({ master: true }).request(`mutation { deleteClass(input: {name: "${other}"}) { class { name } } }`);
    assert.equal(gone.deleteClass.class.name, other);
  } finally {
    await del(`/schemas/${other}`, { master: true });
  }
});
