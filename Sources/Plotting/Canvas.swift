import DriftIO
import Foundation

/// A tiny RGB raster for plots: rectangles, lines, disks and 5×7 digit text.
struct Canvas {
    typealias Color = (UInt8, UInt8, UInt8)
    private(set) var image: PixelImage

    init(width: Int, height: Int, background: Color = (255, 255, 255)) {
        image = PixelImage(width: width, height: height, channels: 3, fill: [background.0, background.1, background.2])
    }

    /// Sets pixel (x, y) if it lies on the canvas.
    mutating func set(_ x: Int, _ y: Int, _ c: Color) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        let i = (y * image.width + x) * 3
        image.pixels[i] = c.0
        image.pixels[i + 1] = c.1
        image.pixels[i + 2] = c.2
    }

    /// Fills the rectangle [x0, x1) × [y0, y1), clipped.
    mutating func fill(x0: Int, y0: Int, x1: Int, y1: Int, _ c: Color) {
        for y in max(0, y0)..<max(max(0, y0), min(image.height, y1)) {
            for x in max(0, x0)..<max(max(0, x0), min(image.width, x1)) { set(x, y, c) }
        }
    }

    /// A one-pixel line (Bresenham), clipped per pixel.
    mutating func line(_ xa: Int, _ ya: Int, _ xb: Int, _ yb: Int, _ c: Color) {
        var (x, y) = (xa, ya)
        let dx = abs(xb - xa), dy = -abs(yb - ya)
        let sx = xa < xb ? 1 : -1, sy = ya < yb ? 1 : -1
        var err = dx + dy
        var steps = 0
        while steps <= 1 << 16 {   // bound the work for absurd coordinates
            set(x, y, c)
            if x == xb && y == yb { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
            steps += 1
        }
    }

    /// A filled disk of radius `r` pixels centred at (cx, cy).
    mutating func disk(_ cx: Int, _ cy: Int, radius r: Int, _ c: Color) {
        for y in -r...r { for x in -r...r where x * x + y * y <= r * r { set(cx + x, cy + y, c) } }
    }

    enum Anchor { case left, center, right }

    /// Draws `text` (digits, `-`, `+`, `.`, `e`, space; others skipped) with its
    /// top edge at `y`; glyphs are 5×7 pixels, 1 pixel apart.
    mutating func text(_ text: String, x: Int, y: Int, anchor: Anchor = .left, _ c: Color = (0, 0, 0)) {
        let width = Self.textWidth(text)
        var cx = anchor == .left ? x : anchor == .center ? x - width / 2 : x - width
        for ch in text {
            if let rows = DigitFont.glyphs[ch] {
                for (r, bits) in rows.enumerated() {
                    for col in 0..<5 where bits & (0x10 >> col) != 0 { set(cx + col, y + r, c) }
                }
            }
            cx += 6
        }
    }

    /// Width in pixels of `text` as drawn by `text(_:x:y:)`.
    static func textWidth(_ text: String) -> Int { max(0, 6 * text.count - 1) }
}

/// A 5×7 bitmap font for numbers: each glyph is 7 rows of 5 bits (MSB left).
enum DigitFont {
    static let glyphs: [Character: [UInt8]] = [
        "0": [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110],
        "1": [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        "2": [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],
        "3": [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110],
        "4": [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010],
        "5": [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110],
        "6": [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],
        "7": [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000],
        "8": [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110],
        "9": [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100],
        "-": [0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000],
        "+": [0b00000, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0b00000],
        ".": [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100],
        "e": [0b00000, 0b00000, 0b01110, 0b10001, 0b11111, 0b10000, 0b01110],
        " ": [0, 0, 0, 0, 0, 0, 0],
    ]
}
