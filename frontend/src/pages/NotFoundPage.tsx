import { PageHeading } from '../components/PageHeading';
import { paths } from '../lib/router';

export function NotFoundPage() {
  return (
    <div className="page">
      <PageHeading>Page not found</PageHeading>
      <p>There is nothing at this address.</p>
      <p>
        <a href={paths.drop()}>Go to today’s drop</a>
      </p>
    </div>
  );
}
