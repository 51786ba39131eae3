// The slice of the Kubernetes Pod shape a runtime acts on. Field names follow core/v1 so the kubelet can hand
// `pod.spec` over as it is; everything the runtime does not use is left out.

export interface EnvVar {
  name: string;
  value?: string;
}

export interface HttpGetAction {
  path?: string;
  port: number | string;
  host?: string;
  scheme?: 'HTTP' | 'HTTPS';
}

export interface Probe {
  exec?: { command: string[] };
  httpGet?: HttpGetAction;
  tcpSocket?: { port: number | string; host?: string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export interface ResourceList {
  cpu?: string;
  memory?: string;
}

export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  workingDir?: string;
  ports?: ContainerPort[];
  volumeMounts?: VolumeMount[];
  resources?: { limits?: ResourceList; requests?: ResourceList };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  /** Keep a standard input open for attaching clients (kubectl run -i). */
  stdin?: boolean;
  /** Close that input once the first attached client ends its own. */
  stdinOnce?: boolean;
  /** Run on a terminal (with stdin; kubectl run -t). */
  tty?: boolean;
}

export interface KeyToPath {
  key: string;
  path: string;
}

export interface Volume {
  name: string;
  emptyDir?: Record<string, unknown>;
  configMap?: { name: string; items?: KeyToPath[] };
  secret?: { secretName: string; items?: KeyToPath[] };
  /** A claim's volume: the directory the caller resolved for it (RunPodRequest.persistentVolumes). */
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
}

/** Where a claim's PersistentVolume lives on this machine: its hostPath or local path, and the hostPath type. */
export interface PersistentVolumeDir {
  path: string;
  /** hostPath's type: DirectoryOrCreate makes the directory when it is missing; '' or Directory expect it. */
  type?: string;
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface PodSpec {
  containers: ContainerSpec[];
  restartPolicy?: RestartPolicy;
  terminationGracePeriodSeconds?: number;
  volumes?: Volume[];
  hostname?: string;
  subdomain?: string;
}

export interface PodRef {
  uid: string;
  name: string;
  namespace: string;
}

/** A Service as the runtime needs it for the docker-link style environment variables. */
export interface ServiceEnvSource {
  name: string;
  clusterIP: string;
  ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }[];
}

export interface RunPodRequest {
  pod: PodRef;
  spec: PodSpec;
  /** Downward-API style values the caller resolved (e.g. MY_NODE_NAME); POD_IP and HOSTNAME are added here. */
  extraEnv?: EnvVar[];
  /** Services of the pod's namespace, for `<SVC>_SERVICE_HOST`, `<SVC>_SERVICE_PORT` and the docker-link vars. */
  services?: ServiceEnvSource[];
  /** Contents of the configMap and secret volumes, by object name then key (secrets already decoded). */
  configMaps?: Record<string, Record<string, string>>;
  secrets?: Record<string, Record<string, string>>;
  /** The directories of the persistentVolumeClaim volumes' bound PersistentVolumes, by claim name. */
  persistentVolumes?: Record<string, PersistentVolumeDir>;
}

export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; signal?: string; reason: string; startedAt: string; finishedAt: string } };

export interface ContainerStatus {
  name: string;
  image: string;
  state: ContainerState;
  lastState: ContainerState | Record<string, never>;
  ready: boolean;
  started: boolean;
  restartCount: number;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface PodRuntimeStatus {
  uid: string;
  podIP: string;
  phase: PodPhase;
  containers: ContainerStatus[];
}

export interface LogOptions {
  /** Only the last N lines. */
  tailLines?: number;
  /** Keep reading until the container attempt ends (or the iterator is returned). */
  follow?: boolean;
  /** The previous attempt (kubectl logs --previous). */
  previous?: boolean;
  /** Prefix each line with its RFC 3339 nanosecond timestamp, as kubectl logs --timestamps. */
  timestamps?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A command running in a container with its streams open (kubectl exec). */
export interface ExecSession {
  /** Present when asked for; ending it closes the command's standard input. */
  stdin?: NodeJS.WritableStream;
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  /** The exit code (128 + signal number when a signal ended it), once the command ended and its output closed. */
  exited: Promise<number>;
  /** Ends the command and whatever it started (the client went away). */
  kill(): void;
}

export interface ExecStreamOptions {
  stdin: boolean;
  /** A terminal for the command where the runtime can give one (its stderr then shows on its stdout). */
  tty: boolean;
}

export interface ContainerStats {
  name: string;
  /** CPU use over the last sampling interval, in billionths of a core. */
  usageNanoCores: number;
  usageCoreNanoSeconds: number;
  workingSetBytes: number;
}

export interface PodStats {
  uid: string;
  containers: ContainerStats[];
}
