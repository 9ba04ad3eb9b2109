import { defaults, parseConfig } from '@stratus/config';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { nodeAllocatable, total, workloadRequests } from './capacity.ts';
import { renderManifests } from './synth.ts';

const objectsOf = (config = defaults) => renderManifests(config).flatMap((m) => parseAllDocuments(m.yaml).map((d) => d.toJSON()));
const NODES = 1 + defaults.cluster.agents;

describe('capacity of the reference cluster (3 x mb1.large, assumed 4 vCPU / 8 GiB)', () => {
  it('fits every request at peak replicas on two nodes, so one node can drain', () => {
    const peak = total(workloadRequests(objectsOf(), NODES - 1));
    const node = nodeAllocatable(defaults);
    const twoNodes = { cpuMillis: 2 * node.cpuMillis, memoryMiB: 2 * node.memoryMiB };
    expect(NODES).toBe(3);
    expect(node).toEqual({ cpuMillis: 3250, memoryMiB: 6656 });
    expect(peak.cpuMillis).toBeLessThanOrEqual(twoNodes.cpuMillis);
    expect(peak.memoryMiB).toBeLessThanOrEqual(twoNodes.memoryMiB);
    console.info(
      `requests at peak: ${peak.cpuMillis}m CPU, ${peak.memoryMiB} MiB; two nodes allocatable: ${twoNodes.cpuMillis}m, ${twoNodes.memoryMiB} MiB`,
    );
  });

  it('counts the backend at its autoscaler maximum and node-exporter once per node up', () => {
    const requests = workloadRequests(objectsOf(), 2);
    expect(requests.find((r) => r.workload === 'todo/Deployment/backend')).toMatchObject({
      pods: 6,
      cpuMillis: 600,
      memoryMiB: 768,
    });
    expect(requests.find((r) => r.workload === 'monitoring/DaemonSet/node-exporter')).toMatchObject({ pods: 2 });
    expect(requests.find((r) => r.workload === 'stream/StatefulSet/kafka')).toMatchObject({ pods: 3, cpuMillis: 1500 });
  });

  it('fails the check when the workloads outgrow two nodes', () => {
    const big = parseConfig({ stream: { kafka: { resources: { cpu: '3', memory: '4Gi', cpuLimit: '3', memoryLimit: '4Gi' } } } });
    const peak = total(workloadRequests(objectsOf(big), 2));
    expect(peak.cpuMillis).toBeGreaterThan(2 * nodeAllocatable(big).cpuMillis);
  });

  it('names the node flavor when its size is unknown', () => {
    expect(() => nodeAllocatable(parseConfig({ openstack: { nodeFlavor: 'xl1.huge' } }))).toThrow(/xl1\.huge/);
  });
});
