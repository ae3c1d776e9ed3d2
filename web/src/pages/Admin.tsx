export default function Admin() {
  return (
    <section>
      <h1>Admin</h1>
    </section>
  );
}
