// Container and machine usage from /proc, for the summary and metrics.k8s.io APIs (kubectl top).
export { sampleProcessGroup, sampleMachine, parseProcStat, type GroupSample, type MachineSample } from './proc-stat.ts';
export { UsageMeter, type Usage } from './usage-meter.ts';
