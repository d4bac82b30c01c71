def main():
    print("about to fail")
    raise RuntimeError("this automation fails on purpose")
