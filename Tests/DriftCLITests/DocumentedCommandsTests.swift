import ArgumentParser
import Foundation
import XCTest
@testable import DriftCLI

/// Every `drift` command the README and docs/ show parses with the current CLI.
///
/// The convention (README.md, docs/**/*.md): commands are in fenced code blocks tagged ```sh, one
/// per line, `\` continuing a line; a command is a line (or a `;`/`&&`/`|` part of one) whose first
/// word is `drift` (or a path ending in /drift), or that starts with `mpirun`/`mpiexec`/`time`/`env`/
/// `swift run` and names `drift` later: the words after `drift` are its arguments. Each is parsed
/// with `DriftCommand.parseAsRoot` (flags, values and each command's `validate`), never run.
final class DocumentedCommandsTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// One documented command: where it is and its arguments after `drift`.
    struct Command: Equatable {
        var file: String
        var line: Int
        var arguments: [String]
    }

    /// README.md and every Markdown file under docs/, relative to the package root.
    static func documents() -> [String] {
        var files = ["README.md"]
        let docs = root.appendingPathComponent("docs")
        if let walker = FileManager.default.enumerator(atPath: docs.path) {
            for case let path as String in walker where path.hasSuffix(".md") { files.append("docs/" + path) }
        }
        return files.sorted().filter { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path) }
    }

    /// The fenced shell blocks of `markdown`: (first line number, lines), continuations joined.
    static func shellBlocks(_ markdown: String) -> [(line: Int, text: String)] {
        var blocks: [(Int, String)] = []
        var inBlock = false, inOtherFence = false
        var pending = "", pendingLine = 0
        for (i, raw) in markdown.components(separatedBy: "\n").enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("```") {
                if inBlock || inOtherFence {
                    if !pending.isEmpty { blocks.append((pendingLine, pending)) }
                    pending = ""
                    inBlock = false
                    inOtherFence = false
                } else {
                    let tag = line.dropFirst(3).trimmingCharacters(in: .whitespaces).lowercased()
                    if ["sh", "bash", "shell", "zsh"].contains(tag) { inBlock = true } else { inOtherFence = true }
                }
                continue
            }
            guard inBlock else { continue }
            if pending.isEmpty { pendingLine = i + 1 }
            if line.hasSuffix("\\") {
                pending += String(line.dropLast()) + " "
            } else {
                pending += line
                blocks.append((pendingLine, pending))
                pending = ""
            }
        }
        return blocks
    }

    /// A shell word or an operator (`|`, `&&`, `;`, `>`, …).
    enum Token: Equatable { case word(String), op(String) }

    /// Splits one shell line into words and operators: quotes and backslashes as a POSIX shell
    /// reads them, `#` at the start of a word a comment to the end of the line.
    static func tokens(_ line: String) -> [Token] {
        var out: [Token] = []
        var word = "", inWord = false
        var chars = Array(line)[...]
        func flush() { if inWord { out.append(.word(word)) }; word = ""; inWord = false }
        while let c = chars.popFirst() {
            switch c {
            case " ", "\t": flush()
            case "#" where !inWord: return out
            case "'":
                inWord = true
                while let d = chars.popFirst(), d != "'" { word.append(d) }
            case "\"":
                inWord = true
                while let d = chars.popFirst(), d != "\"" {
                    if d == "\\", let e = chars.first, "\"\\$`".contains(e) { word.append(chars.removeFirst()) } else { word.append(d) }
                }
            case "\\":
                inWord = true
                if let d = chars.popFirst() { word.append(d) }
            case "|", "&", ";", "<", ">":
                // "2>" and "2>&1": a number right before a redirection belongs to it.
                if inWord, c == ">", word.allSatisfy(\.isNumber) { word = ""; inWord = false }
                flush()
                var op = String(c)
                while let d = chars.first, "|&>".contains(d), op.count < 2 { op.append(chars.removeFirst()) }
                if op == ">&", let d = chars.first, d.isNumber { chars.removeFirst() }  // >&1: no target word
                out.append(.op(op))
            default:
                inWord = true
                word.append(c)
            }
        }
        flush()
        return out
    }

    /// The arguments after `drift` of each drift command on a shell line.
    static func driftArguments(_ line: String) -> [[String]] {
        var text = line
        if text.hasPrefix("$ ") { text.removeFirst(2) }
        var segments: [[String]] = [[]]
        var skipNext = false
        for token in tokens(text) {
            switch token {
            case .op(let op) where op.hasPrefix(">") || op.hasPrefix("<"): skipNext = op != ">&"  // the redirection's target
            case .op: segments.append([])
            case .word(let w):
                if skipNext { skipNext = false; continue }
                segments[segments.count - 1].append(w)
            }
        }
        func isDrift(_ w: String) -> Bool { w == "drift" || w.hasSuffix("/drift") }
        return segments.compactMap { words in
            let command = words.drop { w in
                guard let eq = w.firstIndex(of: "="), eq != w.startIndex else { return false }
                return w[..<eq].allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
            }
            guard let first = command.first else { return nil }
            if isDrift(first) { return Array(command.dropFirst()) }
            guard ["mpirun", "mpiexec", "time", "env", "nohup", "swift"].contains(first),
                  let at = command.firstIndex(where: isDrift) else { return nil }
            return Array(command[(at + 1)...])
        }
    }

    /// Every drift command of a Markdown text.
    static func commands(in markdown: String, file: String) -> [Command] {
        shellBlocks(markdown).flatMap { block in
            driftArguments(block.text).map { Command(file: file, line: block.line, arguments: $0) }
        }
    }

    func testTheExtractorReadsTheConvention() {
        let markdown = """
            Text with drift sample --bogus outside a block.

                drift sample --indented-blocks-are-not-commands

            ```sh
            drift train --data toy:moons --steps 10 \\
              --out "runs/my moons"   # a comment
            mpirun -np 2 drift sample --model m.h5 --n 4 --threads 1 --out s.h5
            DRIFT_SAMPLERS=samplers drift compare --model 'a b.json' > log.txt 2>&1
            ls runs && .build/release/drift inspect runs/x/checkpoint.h5 | head
            echo drift is not the first word
            ```

            ```python
            drift = 1
            ```
            """
        let found = Self.commands(in: markdown, file: "x.md")
        XCTAssertEqual(found.map(\.arguments), [
            ["train", "--data", "toy:moons", "--steps", "10", "--out", "runs/my moons"],
            ["sample", "--model", "m.h5", "--n", "4", "--threads", "1", "--out", "s.h5"],
            ["compare", "--model", "a b.json"],
            ["inspect", "runs/x/checkpoint.h5"],
        ])
        XCTAssertEqual(found.map(\.line), [6, 8, 9, 10])
    }

    func testParsingCatchesWhatTheCLIRefuses() {
        XCTAssertNil(Self.problem(["sample", "--model", "m.json", "--n", "4", "--out", "s.h5"]))
        XCTAssertNil(Self.problem(["sample", "--help"]))
        XCTAssertNotNil(Self.problem(["sample", "--model", "m.json", "--n", "4", "--out", "s.h5", "--colour", "red"]))
        XCTAssertNotNil(Self.problem(["sample", "--model", "m.json", "--out", "s.h5"]), "--n is required")
        XCTAssertNotNil(Self.problem(["sample", "--model", "m.json", "--n", "0", "--out", "s.h5"]), "validate runs")
        XCTAssertNotNil(Self.problem(["sampel", "--model", "m.json"]))
    }

    /// Nil when `arguments` parse (or ask for help), else the CLI's error message.
    static func problem(_ arguments: [String]) -> String? {
        do {
            _ = try DriftCommand.parseAsRoot(arguments)
            return nil
        } catch {
            return DriftCommand.exitCode(for: error) == .success ? nil : DriftCommand.message(for: error)
        }
    }

    func testEveryDocumentedCommandParses() throws {
        var all: [Command] = []
        var blocks = 0
        for file in Self.documents() {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            blocks += Self.shellBlocks(text).count
            all += Self.commands(in: text, file: file)
        }
        if blocks == 0 { throw XCTSkip("README.md and docs/ have no ```sh blocks yet") }
        XCTAssertGreaterThan(all.count, 0, "```sh blocks but no drift command in them")
        for c in all {
            if let message = Self.problem(c.arguments) {
                XCTFail("\(c.file):\(c.line): drift \(c.arguments.joined(separator: " ")) → \(message)")
            }
        }
    }
}
