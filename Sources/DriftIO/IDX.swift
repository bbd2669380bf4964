import CZlib
import Foundation

/// An unsigned-byte array read from an IDX file (the MNIST format).
public struct IDXArray: Equatable, Sendable {
    /// Dimensions from the header, outermost first (e.g. [60000, 28, 28]).
    public var shape: [Int]
    /// Row-major values.
    public var bytes: [UInt8]

    public init(shape: [Int], bytes: [UInt8]) {
        precondition(bytes.count == shape.reduce(1, *), "IDXArray: \(bytes.count) bytes for shape \(shape)")
        self.shape = shape
        self.bytes = bytes
    }
}

/// IDX files (LeCun's MNIST format), gzip-compressed or plain, read with zlib.
///
/// Layout: a big-endian magic `0x0000TTDD` (TT = 0x08 unsigned bytes, DD =
/// number of dimensions), DD big-endian UInt32 sizes, then the data. Images
/// have magic 2051 (3 dimensions), labels 2049 (1 dimension). `gzread`
/// reads plain files unchanged, so one path serves both. The reader checks
/// the magic, the sizes and that the data are exactly as long as the header
/// says; gzip's own CRC-32 and length trailer are checked at the end of the
/// stream, so corrupted or truncated `.gz` files are reported, not returned.
public enum IDX {
    /// Magic number of image files (unsigned bytes, 3 dimensions).
    public static let imagesMagic: UInt32 = 2051
    /// Magic number of label files (unsigned bytes, 1 dimension).
    public static let labelsMagic: UInt32 = 2049

    /// Reads an unsigned-byte IDX file of any rank (1–4).
    public static func read(_ path: String) throws -> IDXArray { try read(path, expectedMagic: nil) }

    /// Reads an image file: magic 2051, shape `[N, rows, cols]`.
    public static func readImages(_ path: String) throws -> IDXArray { try read(path, expectedMagic: imagesMagic) }

    /// Reads a label file: magic 2049, shape `[N]`.
    public static func readLabels(_ path: String) throws -> IDXArray { try read(path, expectedMagic: labelsMagic) }

    static func read(_ path: String, expectedMagic: UInt32?) throws -> IDXArray {
        let fileSize = try FileCheck.readableFile(path)
        guard let gz = gzopen(path, "rb") else {
            throw DriftIOError.cannotRead(path: path, detail: String(cString: strerror(errno)))
        }
        defer { gzclose_r(gz) }
        gzbuffer(gz, 1 << 17)
        func damaged(_ what: String) -> DriftIOError { .damaged(path: path, detail: what) }

        let head = try readExactly(gz, 4, path: path)
        guard head.count == 4 else {
            if fileSize == 0 { throw DriftIOError.wrongFormat(path: path, format: "IDX", detail: "empty file") }
            throw damaged("only \(head.count) bytes")
        }
        let magic = bigEndian(head)
        let dims = Int(head[3])
        guard head[0] == 0, head[1] == 0, head[2] == 0x08, (1...4).contains(dims) else {
            throw DriftIOError.wrongFormat(path: path, format: "IDX", detail: "magic number \(magic) is not an unsigned-byte IDX header")
        }
        if let expectedMagic, magic != expectedMagic {
            throw DriftIOError.wrongFormat(path: path, format: "IDX",
                                           detail: "magic number \(magic), expected \(expectedMagic) (\(expectedMagic == imagesMagic ? "images" : "labels"))")
        }
        let sizeBytes = try readExactly(gz, 4 * dims, path: path)
        guard sizeBytes.count == 4 * dims else { throw damaged("header ends after \(4 + sizeBytes.count) bytes") }
        let shape = (0..<dims).map { Int(bigEndian(Array(sizeBytes[(4 * $0)..<(4 * $0 + 4)]))) }
        let (count, overflow) = shape.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        guard !overflow, count <= Int(Int32.max) else { throw damaged("header claims shape \(shape)") }
        if gzdirect(gz) == 1, count != fileSize - 4 - 4 * dims {
            throw damaged("\(fileSize - 4 - 4 * dims) data bytes for shape \(shape) (\(count) expected)")
        }
        let data = try readExactly(gz, count, path: path)
        guard data.count == count else { throw damaged("\(data.count) data bytes for shape \(shape) (\(count) expected)") }
        var extra: UInt8 = 0
        let trailing = gzread(gz, &extra, 1)   // also makes zlib check the gzip trailer (CRC-32, length)
        if trailing < 0 || gzipErrorCode(gz) != Z_OK { throw damaged(gzipMessage(gz)) }
        if trailing > 0 { throw damaged("data continue past the \(count) bytes of shape \(shape)") }
        return IDXArray(shape: shape, bytes: data)
    }

    /// Up to `n` bytes (fewer only at end of file); throws on a gzip error.
    private static func readExactly(_ gz: gzFile, _ n: Int, path: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: n)
        var done = 0
        try out.withUnsafeMutableBytes { buf in
            while done < n {
                let want = UInt32(min(n - done, 1 << 24))
                let got = gzread(gz, buf.baseAddress! + done, want)
                if got < 0 { throw DriftIOError.damaged(path: path, detail: gzipMessage(gz)) }
                if got == 0 { break }
                done += Int(got)
            }
        }
        return done == n ? out : Array(out[0..<done])
    }

    /// zlib's message without the "<path>: " prefix it adds (a truncated
    /// stream reports Z_BUF_ERROR, "unexpected end of file").
    private static func gzipMessage(_ gz: gzFile) -> String {
        var code: Int32 = 0
        guard let msg = gzerror(gz, &code) else { return "gzip error \(code)" }
        let text = String(cString: msg)
        return text.range(of: ": ", options: .backwards).map { String(text[$0.upperBound...]) } ?? text
    }

    private static func gzipErrorCode(_ gz: gzFile) -> Int32 {
        var code: Int32 = 0
        _ = gzerror(gz, &code)
        return code
    }

    private static func bigEndian(_ b: [UInt8]) -> UInt32 {
        b.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
