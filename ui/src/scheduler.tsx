import { render } from 'preact';
import { Shell } from './components/shell';
import { SchedulerPage } from './scheduler/scheduler-page';

render(
  <Shell page="scheduler">
    <SchedulerPage />
  </Shell>,
  document.getElementById('app')!,
);
