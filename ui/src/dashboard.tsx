import 'uplot/dist/uPlot.min.css';
import { render } from 'preact';
import { Shell } from './components/shell';
import { DashboardPage } from './dashboard/dashboard-page';

render(
  <Shell page="dashboard">
    <DashboardPage />
  </Shell>,
  document.getElementById('app')!,
);
