import baton


def main(name="world"):
    greeting = "Hello, %s!" % name
    print(greeting)
    baton.log("hello finished")
    return {"greeting": greeting}
