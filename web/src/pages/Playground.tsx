import { Link } from '../router';

export default function Playground({ page }: { page?: string }) {
  return (
    <section>
      <h1>API playground</h1>
      <p>{page}</p>
      <ul>
        <li>
          <Link to="/playground/graphql">GraphQL (GraphiQL)</Link>
        </li>
        <li>
          <Link to="/playground/rest">REST (OpenAPI)</Link>
        </li>
      </ul>
    </section>
  );
}
