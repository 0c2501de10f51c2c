from siqa.cli.main import main

main()
