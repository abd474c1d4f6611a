"""Helpers shared by the Python test drivers."""
import subprocess


def have_device(vkbert):
    """False (the caller exits 77: skipped) when vkbert sees no Vulkan device."""
    p = subprocess.run([vkbert, "devices"], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        print(f"SKIP: no Vulkan device: {p.stderr.strip()}")
    return p.returncode == 0
