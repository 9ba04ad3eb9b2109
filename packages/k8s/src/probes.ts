import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

/** The three checks of a container: started, ready to serve, alive. */
export interface ContainerProbes {
  readonly startup: kplus.Probe;
  readonly readiness: kplus.Probe;
  readonly liveness: kplus.Probe;
}

const STARTUP = { periodSeconds: Duration.seconds(5), failureThreshold: 36, timeoutSeconds: Duration.seconds(3) };
const READY = { periodSeconds: Duration.seconds(10), failureThreshold: 3, timeoutSeconds: Duration.seconds(3) };
const LIVE = { periodSeconds: Duration.seconds(20), failureThreshold: 3, timeoutSeconds: Duration.seconds(5) };

/** HTTP checks: `ready` decides traffic, `live` decides restarts; the startup check allows 3 minutes. */
export function httpProbes(port: number, ready: string, live: string): ContainerProbes {
  return {
    startup: kplus.Probe.fromHttpGet(live, { port, ...STARTUP }),
    readiness: kplus.Probe.fromHttpGet(ready, { port, ...READY }),
    liveness: kplus.Probe.fromHttpGet(live, { port, ...LIVE }),
  };
}

/**
 * TCP checks, for processes whose only endpoint is a port that accepts connections. `startupMinutes` is how long the
 * process may take before it listens (@default 3).
 */
export function tcpProbes(port: number, startupMinutes = 3): ContainerProbes {
  const periods = Math.ceil((startupMinutes * 60) / STARTUP.periodSeconds.toSeconds());
  return {
    startup: kplus.Probe.fromTcpSocket({ port, ...STARTUP, failureThreshold: periods }),
    readiness: kplus.Probe.fromTcpSocket({ port, ...READY }),
    liveness: kplus.Probe.fromTcpSocket({ port, ...LIVE }),
  };
}

/** Command checks, for servers with a client that can ask them, such as `pg_isready`. */
export function commandProbes(command: readonly string[]): ContainerProbes {
  const argv = [...command];
  return {
    startup: kplus.Probe.fromCommand(argv, STARTUP),
    readiness: kplus.Probe.fromCommand(argv, READY),
    liveness: kplus.Probe.fromCommand(argv, { ...LIVE, failureThreshold: 6 }),
  };
}
