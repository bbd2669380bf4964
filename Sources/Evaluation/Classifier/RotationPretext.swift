import TensorCore

/// Self-supervised rotation prediction, the pretext task of Gidaris, Singh & Komodakis (2018),
/// "Unsupervised representation learning by predicting image rotations" (ICLR): each image is shown
/// turned by 0°, 90°, 180° and 270°, and the network learns which. To tell, it has to recognise what
/// is in the image and which way up it belongs, so its penultimate features describe the images
/// without any label; Drift measures FD, KID and precision/recall in them for unlabelled data.
/// As in the paper, every image of a batch is shown in all four rotations at once.
public enum RotationPretext {
    /// The head's four outputs (label k = k quarter turns counter-clockwise).
    public static let classNames = ["0°", "90°", "180°", "270°"]

    /// Square images [B, C, S, S] turned counter-clockwise by `k` quarter turns.
    public static func rotated(_ x: Tensor, quarterTurns k: Int) -> Tensor {
        precondition(x.rank == 4 && x.shape[2] == x.shape[3], "RotationPretext: square images [B, C, S, S], got \(x.shape)")
        let turns = ((k % 4) + 4) % 4
        if turns == 0 { return Tensor(x.scalars, shape: x.shape) }
        let s = x.shape[3], planes = x.shape[0] * x.shape[1], plane = s * s
        let out = Tensor.zeros(x.shape)
        let src = x.scalars
        out.withUnsafeMutableBufferPointer { dst in
            for p in 0..<planes {
                let base = p * plane
                for y in 0..<s {
                    for c in 0..<s {
                        // The source pixel (row, column) that lands at (y, c).
                        let (row, column): (Int, Int)
                        switch turns {
                        case 1: (row, column) = (c, s - 1 - y)
                        case 2: (row, column) = (s - 1 - y, s - 1 - c)
                        default: (row, column) = (s - 1 - c, y)
                        }
                        dst[base + y * s + c] = src[base + row * s + column]
                    }
                }
            }
        }
        return out
    }

    /// The four rotations of every image of `x`: [4B, C, S, S], all of x at 0°, then at 90°, 180° and
    /// 270°, with the rotation of each row as its label.
    public static func allRotations(_ x: Tensor) -> (images: Tensor, labels: [Int]) {
        let images = Tensor.concat((0..<4).map { rotated(x, quarterTurns: $0) }, axis: 0)
        return (images, (0..<4).flatMap { [Int](repeating: $0, count: x.shape[0]) })
    }
}
