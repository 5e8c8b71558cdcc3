import { PageHeading } from '../components/PageHeading';
import { paths } from '../lib/router';
import { useDocumentTitle } from '../lib/useDocumentTitle';

export function NotFoundPage() {
  useDocumentTitle('Page not found');
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
