/**
 * The device record typed through exchange.deviceCode's type arguments: with
 * `exchange.deviceCode<Client, Row>`, `update` and `issue` receive the app's
 * row type, and a field the row does not have is a compile error.
 */
import oauth2orize from '../../src/index.js';
import type { DeviceCodeState } from '../../src/index.js';

interface Client { id: string }
interface Row extends DeviceCodeState { userId: string; scope: string[] }

declare function findRow(code: string): Promise<Row | null>;

oauth2orize.exchange.deviceCode<Client, Row>({
  load: async ({ client, deviceCode }) => {
    const id: string = client.id;
    void id;
    return findRow(deviceCode);
  },
  update: async ({ record, changes }) => {
    const user: string = record.userId;
    void user; void changes.interval;
    // @ts-expect-error a field the row does not have
    void record.userID;
  },
  issue: async ({ record, client }) => {
    const scope: string[] = record.scope;
    // @ts-expect-error a field the client does not have
    void client.name;
    return `at-${record.userId}-${scope.join(' ')}`;
  },
});
