import { PNG } from 'pngjs';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/charts/stats-chart';
import { closeBotHarness, IDS, MEMBER_PERMISSIONS, startBotHarness, type BotHarness } from '../support/bot-harness';
import { DATABASE_KINDS } from '../support/databases';
import { createDefaultPlan } from '../support/harness';

describe.each(DATABASE_KINDS)('the bot on %s: /stats', (kind) => {
  let h: BotHarness;
  beforeEach(async () => {
    h = await startBotHarness(kind);
  });
  afterEach(async () => expect(await closeBotHarness(h)).toEqual([]));

  it('answers an admin with the numbers in an embed and the chart as an attached PNG', async () => {
    // Six standard users imported now, each with a default payment of the 10.00 USD plan.
    await createDefaultPlan(h.app);
    await h.app.usersSync().run();
    const month = h.clock.now().toISOString().slice(0, 7);

    const run = h.discord.chatInput({ guildId: IDS.guild, userId: IDS.admin, name: 'stats' });
    expect((await run.response()).type).toBe(5);
    await run.waitFor((x) => x.final()?.embeds?.length > 0);
    const message = run.final();
    expect(message.flags & 64).toBe(64);
    const embed = message.embeds[0];
    expect(embed.description).toBe('6 users: 6 active (0 expiring within 7 days), 0 expired, 0 removed, 0 permanent; 6 need review');
    expect(embed.fields).toEqual(
      expect.arrayContaining([
        { name: 'Revenue, last 12 months', value: '60.00 USD', inline: true },
        { name: `This month (${month})`, value: '60.00 USD', inline: true },
      ]),
    );
    const table = embed.fields.find((f: { name: string }) => f.name === 'Month by month').value as string;
    expect(table.split('\n')).toContain(`${month}       6    6     0     0  60.00 USD`);
    expect(embed.image.url).toBe('attachment://stats.png');

    // The file reached Discord as a multipart upload and is a PNG of the documented size.
    expect(message.attachments).toEqual([expect.objectContaining({ filename: 'stats.png', content_type: 'image/png' })]);
    const upload = h.discord.uploads.find((u) => u.attachmentId === message.attachments[0].id)!;
    const png = PNG.sync.read(upload.bytes);
    expect({ width: png.width, height: png.height }).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
    // Served back at its url, as Discord's CDN does.
    expect(Buffer.from(await (await fetch(message.attachments[0].url)).arrayBuffer())).toEqual(upload.bytes);
  });

  it('refuses a non-admin, and nothing is uploaded', async () => {
    const run = h.discord.chatInput({ guildId: IDS.guild, userId: IDS.member, permissions: MEMBER_PERMISSIONS, name: 'stats', visibleByGuildOverride: true });
    const reply = await run.response();
    expect(reply.type).toBe(4);
    expect(reply.data.content).toBe('Only server admins (Manage Server permission) can use this.');
    expect(h.discord.uploads).toEqual([]);
  });
});
