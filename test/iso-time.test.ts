// isoTimestamp and isoDay give Date#toISOString's text by arithmetic, from a Date or a time value,
// so a scan makes no Date at all. The fault they must not have: any time whose text differs.

import { describe, expect, it } from "vitest";
import { isoDay, isoTimestamp } from "../policy/iso-time.ts";
import { mulberry32 as random } from "./helpers/mulberry32.ts";

const same = (date: Date) => {
  const text = date.toISOString();
  expect(isoTimestamp(date)).toBe(text);
  expect(isoTimestamp(date.getTime())).toBe(text);
  expect(isoDay(date)).toBe(text.slice(0, 10));
  expect(isoDay(date.getTime())).toBe(text.slice(0, 10));
};

describe("isoTimestamp and isoDay are toISOString", () => {
  it("on the edges of years, days and fields", () => {
    for (const text of [
      "0000-01-01T00:00:00.000Z",
      "0000-02-29T23:59:59.999Z",
      "0100-03-01T00:00:00.000Z",
      "1900-02-28T00:00:00.000Z",
      "1900-03-01T00:00:00.000Z",
      "2000-02-29T00:00:00.000Z",
      "2100-03-01T00:00:00.000Z",
      "0009-09-09T09:09:09.009Z",
      "0099-12-31T23:59:59.099Z",
      "1970-01-01T00:00:00.000Z",
      "1969-12-31T23:59:59.999Z",
      "2024-02-29T12:00:00.010Z",
      "2026-12-01T14:26:47.237Z",
      "9999-12-31T23:59:59.999Z",
    ]) {
      same(new Date(text));
    }
  });

  it("every day from 1968 to 2040, at its first and last millisecond", () => {
    for (let day = Date.UTC(1968, 0, 1); day < Date.UTC(2041, 0, 1); day += 86_400_000) {
      same(new Date(day));
      same(new Date(day + 86_399_999));
    }
  });

  it("on 20,000 dates between years 0 and 9999", () => {
    const next = random(12);
    const first = Date.parse("0000-01-01T00:00:00.000Z");
    const last = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    for (let i = 0; i < 20_000; i++) same(new Date(first + Math.floor(next() * (last - first))));
  });

  it("outside years 0-9999 and for an invalid date, as toISOString does", () => {
    same(new Date(Date.UTC(10000, 0, 1)));
    same(new Date(Date.UTC(-1, 11, 31, 23, 59, 59, 999)));
    same(new Date(Date.UTC(275_760, 8, 13)));
    expect(() => isoTimestamp(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => isoDay(new Date("not a date"))).toThrow(RangeError);
    expect(() => isoTimestamp(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it("truncates a fractional time value as new Date() does", () => {
    for (const value of [0.5, -0.5, 1.999, -1.001, 1_764_600_000_000.7]) {
      expect(isoTimestamp(value)).toBe(new Date(value).toISOString());
      expect(isoDay(value)).toBe(new Date(value).toISOString().slice(0, 10));
    }
  });
});
