from memcglab.cli import main

main()
