// Every controller the controller-manager runs, by name. Controllers register here with one entry each (append only).
import type { ControllerDescriptor } from './common/controller-context.ts';
import { cronJobController } from './cron-job.ts';
import { daemonSetController } from './daemon-set.ts';
import { deploymentController } from './deployment.ts';
import { jobController } from './job.ts';
import { replicaSetController } from './replica-set.ts';
import { replicationControllerController } from './replication-controller.ts';
import { statefulSetController } from './stateful-set.ts';
import { endpointSliceController } from './endpoint-slice.ts';
import { endpointsController } from './endpoints.ts';
import { garbageCollectorController } from './garbage-collector.ts';
import { namespaceController } from './namespace.ts';
import { nodeLifecycleController } from './node-lifecycle.ts';
import { nodeProviderController } from './node-provider.ts';
import { serviceAccountController } from './service-account.ts';
import { disruptionController } from './disruption.ts';
import { resourceQuotaController } from './resource-quota.ts';
import { persistentVolumeBinderController } from './persistent-volume-binder.ts';
import { localPathProvisionerController } from './local-path-provisioner.ts';
import { pvcProtectionController } from './pvc-protection.ts';
import { pvProtectionController } from './pv-protection.ts';
import { horizontalPodAutoscalerController } from './horizontal-pod-autoscaler.ts';

export const ALL_CONTROLLERS: ControllerDescriptor[] = [
  replicationControllerController,
  replicaSetController,
  deploymentController,
  jobController,
  daemonSetController,
  cronJobController,
  statefulSetController,
  endpointsController,
  endpointSliceController,
  nodeLifecycleController,
  garbageCollectorController,
  namespaceController,
  serviceAccountController,
  nodeProviderController,
  disruptionController,
  resourceQuotaController,
  persistentVolumeBinderController,
  localPathProvisionerController,
  pvcProtectionController,
  pvProtectionController,
  horizontalPodAutoscalerController,
];
