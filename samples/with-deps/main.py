import greetlib


def run(name="dependencies"):
    greeting = greetlib.greet(name)
    print(greeting)
    return {"greeting": greeting, "greetlib": greetlib.__version__}
