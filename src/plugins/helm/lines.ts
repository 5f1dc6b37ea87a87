/** Newline-delimited text from a stream, one callback per complete line. @internal */
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";

export class LineReader {
  private buffer = "";
  private readonly decoder = new StringDecoder("utf8");

  constructor(stream: Readable, onLine: (line: string) => void) {
    stream.on("data", (chunk: Buffer) => {
      // Only the new text can hold the next newline: long lines arrive in many chunks.
      const from = this.buffer.length;
      this.buffer += this.decoder.write(chunk);
      let end = this.buffer.indexOf("\n", from);
      while (end >= 0) {
        const line = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 1);
        if (line.trim() !== "") onLine(line);
        end = this.buffer.indexOf("\n");
      }
    });
    stream.on("end", () => {
      const rest = this.buffer + this.decoder.end();
      this.buffer = "";
      if (rest.trim() !== "") onLine(rest);
    });
  }
}
