export { alertEvaluation } from './alert-evaluation';
export { exportJob } from './export-job';
export { metricsRetention } from './metrics-retention';
export { notifyRunFailure } from './notify-run-failure';
