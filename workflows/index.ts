export { exportJob } from './export-job';
export { metricsRetention } from './metrics-retention';
