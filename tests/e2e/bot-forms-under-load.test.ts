import { generateCsv } from '../bench/payments';
import { SMALL_USERS } from '../fakes/plex/plex-data';
import { closeBotHarness, IDS, startBotHarness, type BotHarness } from '../support/bot-harness';
import { DATABASE_KINDS } from '../support/databases';
import { createDefaultPlan } from '../support/harness';

const EPHEMERAL = 64;
const admin = { guildId: IDS.guild, userId: IDS.admin };
/** Big enough that the import's transaction outlasts Discord's 3 seconds on a fast machine. */
const ROWS = Number(process.env.FORMS_LOAD_ROWS ?? 20_000);

/**
 * An admin's form is acknowledged within Discord's 3 seconds while a big CSV import holds the
 * database (on SQLite every statement waits for its transaction), then saved once it can be.
 */
describe.each(DATABASE_KINDS)('the bot on %s: forms under load', (kind) => {
  let h: BotHarness;
  beforeEach(async () => {
    h = await startBotHarness(kind);
    await createDefaultPlan(h.app);
    await h.app.usersSync().run();
  });
  afterEach(async () => {
    // A late acknowledgement (10062) is a violation of the fake Discord.
    expect(await closeBotHarness(h)).toEqual([]);
  });

  it('acknowledges a profile form at once while a big CSV import runs, and saves it once the import is done', async () => {
    // Made first: generating the file holds this process's event loop too.
    const csv = generateCsv(ROWS, 1000);
    const open = h.discord.chatInput({ ...admin, name: 'user', options: [{ name: 'edit-profile', type: 1, options: [{ name: 'user', value: String(SMALL_USERS.obrien) }] }] });
    expect((await open.response()).type).toBe(9);

    let writing!: () => void;
    const inTransaction = new Promise<void>((resolve) => (writing = resolve));
    let importDone = false;
    const importing = h.app.payments
      .importCsv(csv, { dateFormat: 'MDY', onProgress: (e) => e.phase === 'matching' && writing() })
      .finally(() => (importDone = true));
    // The file is read and matching has begun inside the import's transaction.
    await inTransaction;

    const submit = h.discord.modalSubmit({ ...admin, from: open, fields: { paypalEmail: 'obrien-pays@example.com', discordId: IDS.member, discordUsername: '' } });
    const ack = await submit.response();
    const ackedWhileImporting = !importDone;
    expect(ack.type).toBe(5);
    expect(ack.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    const summary = await importing;
    // The load was real: the import was still running when the form was acknowledged.
    expect(summary.unmatched).toBeGreaterThan(1000);
    expect(ackedWhileImporting).toBe(true);

    await submit.waitFor((x) => x.final()?.content === 'Saved.', 30_000);
    expect((await h.app.users.card(SMALL_USERS.obrien)).paypalEmail).toBe('obrien-pays@example.com');
    // Roles follow after the answer: O'Brien is active, so he gets the subscriber role.
    await submit.waitFor(() => h.discord.roleChanges.length > 0, 10_000);
    expect(h.discord.roleChanges).toEqual([expect.objectContaining({ userId: IDS.member, roleId: IDS.subscriberRole, action: 'add' })]);
  });
});
