"""wxtcb's benchmarks: what the SDK costs against raw aiohttp, as ratios taken in one run."""
