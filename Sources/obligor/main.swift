print("obligor")
