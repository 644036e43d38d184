// The logger that replaced pino: its lines must stay pino's lines, so what reads the journal (jq
// filters on "level":50, fleet forwarders, docs) keeps working.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createLogger } from "../agent/log.ts";

function capture(level = "info") {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line) => lines.push(line), now: () => 1_700_000_000_000 });
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe("log lines keep pino's format", () => {
  it("level number, time, pid, name, the fields, msg last, one line each", () => {
    const { logger, lines } = capture();
    logger.info({ findings: 2, nested: { a: [1, { b: "c" }] } }, "scan judged");
    logger.warn("plain");
    expect(lines).toEqual([
      `{"level":30,"time":1700000000000,"pid":${process.pid},"name":"eca","findings":2,"nested":{"a":[1,{"b":"c"}]},"msg":"scan judged"}\n`,
      `{"level":40,"time":1700000000000,"pid":${process.pid},"name":"eca","msg":"plain"}\n`,
    ]);
  });

  it("an err field is pino's serialized error: type, message with causes, stack, its own fields", () => {
    const { logger, parsed } = capture();
    const error = Object.assign(new TypeError("outer", { cause: new Error("inner") }), { code: "EX" });
    logger.error({ err: error }, "failed");
    const err = parsed()[0]?.err as Record<string, unknown>;
    expect(err.type).toBe("TypeError");
    expect(err.message).toBe("outer: inner");
    expect(err.code).toBe("EX");
    expect(String(err.stack)).toContain("caused by: Error: inner");
    expect(parsed()[0]?.msg).toBe("failed");
  });

  it("an error given alone becomes err, its message the msg (as pino does)", () => {
    const { logger, parsed } = capture();
    logger.error(new Error("boom") as unknown as object);
    expect(parsed()[0]).toMatchObject({ level: 50, err: { type: "Error", message: "boom" }, msg: "boom" });
  });

  it("levels below the threshold write nothing; silent writes nothing at all", () => {
    const info = capture("info");
    info.logger.debug("hidden");
    info.logger.trace("hidden");
    info.logger.fatal("shown");
    expect(info.parsed().map((line) => line.level)).toEqual([60]);
    const silent = capture("silent");
    silent.logger.fatal("nothing");
    expect(silent.lines).toEqual([]);
  });

  it("a cyclic or bigint field does not throw: the line is still written", () => {
    const { logger, parsed } = capture();
    const cyclic: Record<string, unknown> = { name: "x" };
    cyclic.self = cyclic;
    logger.info({ cyclic, big: 5n }, "odd fields");
    expect(parsed()[0]).toMatchObject({ big: 5, msg: "odd fields" });
    expect(JSON.stringify(parsed()[0]?.cyclic)).toContain('"self":"[Circular]"');
  });

  it("an unknown level is refused, naming the variable and the levels", () => {
    expect(() => createLogger("loud")).toThrow(
      /unknown log level "loud" \(ECA_LOG_LEVEL\): use one of trace, debug/,
    );
  });

  it("credentials and control characters are cleaned as before (the formatters stayed)", () => {
    const { logger, parsed } = capture();
    logger.info({ endpoint: "https://eca:s3cret@collector.example/e", note: "a\u202Eb" }, "eca running");
    expect(parsed()[0]?.endpoint).toBe("https://***:***@collector.example/e");
    expect(JSON.stringify(parsed()[0])).not.toContain("\u202E");
  });

  it("writes to stderr synchronously: a process that exits right after logging keeps the line", () => {
    const script = `import { createLogger } from ${JSON.stringify(new URL("../agent/log.ts", import.meta.url).pathname)};
createLogger("info").error({ code: 3 }, "last words"); process.exit(3);`;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(child.status).toBe(3);
    expect(child.stdout).toBe("");
    expect(JSON.parse(child.stderr)).toMatchObject({ level: 50, name: "eca", code: 3, msg: "last words" });
  });
});
