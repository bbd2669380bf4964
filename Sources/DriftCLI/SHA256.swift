import COpenSSL
import Foundation

/// SHA-256 (FIPS 180-4) by OpenSSL's libcrypto (EVP digest API), for the model hash `drift sample`
/// records in its PNGs and checks on `--like`. Files are streamed in 1 MiB reads.
struct SHA256 {
    private let context: OpaquePointer

    init() {
        guard let c = EVP_MD_CTX_new(), EVP_DigestInit_ex(c, EVP_sha256(), nil) == 1 else {
            preconditionFailure("SHA256: libcrypto could not start a SHA-256 digest")
        }
        context = c
    }

    /// Adds bytes to the message.
    func update<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let ok = bytes.withContiguousStorageIfAvailable { EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
            ?? Array(bytes).withUnsafeBufferPointer { EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        precondition(ok == 1, "SHA256: libcrypto failed to update the digest")
    }

    /// The 32-byte digest; the hasher is spent.
    func finish() -> [UInt8] {
        defer { EVP_MD_CTX_free(context) }
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, &digest, &length) == 1 && length == 32, "SHA256: libcrypto failed to finish the digest")
        return digest
    }

    /// The lower-case hex digest of `bytes`.
    static func hex<Bytes: Collection>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let hasher = SHA256()
        hasher.update(bytes)
        return hasher.finish().map { String(format: "%02x", $0) }.joined()
    }

    /// The lower-case hex digest of the file at `path`, read in 1 MiB pieces.
    /// - Throws: one line when the file cannot be read.
    static func hex(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot read '\(path)'") }
        defer { try? handle.close() }
        let hasher = SHA256()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                _ = hasher.finish()
                throw CLIError("cannot read '\(path)': \(CLIError(error))")
            }
            if chunk.isEmpty { break }
            hasher.update(chunk)
        }
        return hasher.finish().map { String(format: "%02x", $0) }.joined()
    }
}
