import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;

/** A DNS server on 127.0.0.1 (UDP) that answers A queries from a table, and NXDOMAIN for every other name. */
export class DnsStub {
  /** Host name (lower case, no trailing dot) to IPv4 address. */
  readonly records = new Map<string, string>();
  /** The names asked for, in order. */
  readonly queries: string[] = [];
  private readonly socket: Socket = createSocket('udp4');

  constructor() {
    this.socket.on('message', (query, peer) => this.answer(query, peer));
  }

  /** Starts listening; returns the address as nginx's `resolver` takes it (`127.0.0.1:port`). */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.socket.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private answer(query: Buffer, peer: RemoteInfo): void {
    const question = parseQuestion(query);
    if (!question) return;
    this.queries.push(question.name);
    const address = question.type === TYPE_A ? this.records.get(question.name) : undefined;
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8180 | (this.records.has(question.name) ? 0 : RCODE_NXDOMAIN), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(address ? 1 : 0, 6);
    const parts = [header, query.subarray(12, question.end)];
    if (address) {
      const record = Buffer.alloc(16);
      record.writeUInt16BE(0xc00c, 0);
      record.writeUInt16BE(TYPE_A, 2);
      record.writeUInt16BE(CLASS_IN, 4);
      record.writeUInt32BE(1, 6);
      record.writeUInt16BE(4, 10);
      address.split('.').forEach((octet, i) => {
        record.writeUInt8(Number(octet), 12 + i);
      });
      parts.push(record);
    }
    this.socket.send(Buffer.concat(parts), peer.port, peer.address);
  }
}

/** The first question of a DNS query: its name, type, and where it ends; undefined when the packet is malformed. */
function parseQuestion(packet: Buffer): { name: string; type: number; end: number } | undefined {
  if (packet.length < 12 || packet.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let offset = 12;
  while (offset < packet.length) {
    const length = packet.readUInt8(offset);
    if (length === 0) break;
    if (length > 63) return undefined;
    labels.push(packet.toString('ascii', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  if (offset + 5 > packet.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: packet.readUInt16BE(offset + 1), end: offset + 5 };
}
