/// Drift's version: `drift --version`, and what `drift sample` records in its PNGs (a PNG
/// drawn by another version may not redraw bit for bit). The one place it is written.
public enum DriftVersion {
    public static let current = "0.1.0"
}
